"""Model fields for personal data: encrypted at rest, masked in the audit log, and found by
exact value only through a blind index.

    mobile = EncryptedCharField(_("mobile"), max_length=32, blank=True, mask=mask_phone)
    mobile_index = BlindIndexField(source="mobile", normaliser=normalise_phone, db_index=False)
    ...
    class Meta:
        indexes = [models.Index(fields=["mobile_index"])]

    User.objects.filter(blind_match(User, "mobile", "+86 138-1234-1234"))
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.signals import pre_save
from django.dispatch import receiver

from sqms.core import crypto

Normaliser = Callable[[str], str]
Masker = Callable[[str], str]


class EncryptedLookupError(FieldError):
    """A query tried to compare an encrypted column, which holds only random-looking tokens."""


class EncryptedFieldMixin:
    """Stores `encrypt(value)` and gives back plaintext. The column is `text`, since a token is
    longer than its plaintext; `max_length` (on the char field) limits the plaintext.

    The associated data is "<app_label>.<model>.<field>", fixed when the field is attached to
    its model. Renaming the model or field therefore needs `associated_data=` set to the old
    name (or a re-encryption), or the stored values stop decrypting.
    """

    encrypted = True
    name: str
    attname: str
    model: Any

    def __init__(
        self,
        *args: Any,
        mask: Masker | None = None,
        associated_data: str | None = None,
        **kwargs: Any,
    ) -> None:
        if kwargs.get("unique") or kwargs.get("db_index") or kwargs.get("primary_key"):
            raise ValueError(
                "Encrypted fields cannot be unique, indexed or a primary key; use a BlindIndexField"
            )
        self.audit_mask = mask
        self._associated_data = associated_data
        super().__init__(*args, **kwargs)

    @property
    def associated_data(self) -> str:
        return self._associated_data or f"{self.model._meta.label_lower}.{self.name}"

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()  # type: ignore[misc]
        if self._associated_data:
            kwargs["associated_data"] = self._associated_data
        # The masker is presentation, not schema: leaving it out keeps migrations stable.
        return name, path, args, kwargs

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return crypto.decrypt(value, self.associated_data)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)  # type: ignore[misc]
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value), self.associated_data)

    def _refuse(self, lookup_name: str) -> EncryptedLookupError:
        return EncryptedLookupError(
            f"{self.model._meta.label}.{self.name} is encrypted and cannot be queried with "
            f"'{lookup_name}'. Only '{self.name}__isnull' works; find an exact value through "
            f"its blind index (sqms.core.fields.blind_match)."
        )

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)  # type: ignore[misc]
        raise self._refuse(lookup_name)

    def get_transform(self, lookup_name: str) -> Any:
        raise self._refuse(lookup_name)


class EncryptedCharField(EncryptedFieldMixin, models.CharField):
    """A one-line value (phone, ID number, name), encrypted at rest."""


class EncryptedTextField(EncryptedFieldMixin, models.TextField):
    """A free-text value (address, notes), encrypted at rest."""


_INDEX_DEFAULTS = {
    "max_length": 64,
    "null": True,
    "blank": True,
    "db_index": True,
    "editable": False,
}


class BlindIndexField(models.CharField):
    """HMAC of the normalised value of `source`, filled in on save; NULL when the source is
    empty. Exact look-up compares this column, never the encrypted one.

    Give it `db_index=False` and a plain index in the model's Meta.indexes: for an indexed
    varchar column, Django's PostgreSQL backend adds a second (LIKE) index, which a digest
    compared only whole never uses but every write pays for."""

    audit_exclude = True

    def __init__(
        self,
        *args: Any,
        source: str,
        normaliser: Normaliser | None = None,
        purpose: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.source = source
        self.normaliser = normaliser
        self._purpose = purpose
        for key, default in _INDEX_DEFAULTS.items():
            kwargs.setdefault(key, default)
        super().__init__(*args, **kwargs)

    @property
    def purpose(self) -> str:
        return self._purpose or f"{self.model._meta.label_lower}.{self.source}"

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if self.normaliser is not None:
            kwargs["normaliser"] = self.normaliser
        if self._purpose:
            kwargs["purpose"] = self._purpose
        for key, ours in _INDEX_DEFAULTS.items():
            actual = getattr(self, key)
            if actual == ours:
                kwargs.pop(key, None)
            else:
                kwargs[key] = actual
        return name, path, args, kwargs

    def digest(self, value: Any) -> str | None:
        """The index value for a plaintext (None for an empty one)."""
        if value is None or value == "":
            return None
        text = self.normaliser(str(value)) if self.normaliser else str(value)
        if not text:
            return None
        return crypto.blind_index(text, self.purpose)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = self.digest(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


@receiver(pre_save, dispatch_uid="sqms.core.fields.check_update_fields")
def _check_update_fields(
    sender: type[models.Model], update_fields: frozenset[str] | None = None, **kwargs: Any
) -> None:
    """save(update_fields=["mobile"]) would leave mobile_index stale; refuse it loudly."""
    if not update_fields:  # the common case, and free
        return
    for field in sender._meta.concrete_fields:
        if (
            isinstance(field, BlindIndexField)
            and field.source in update_fields
            and field.name not in update_fields
        ):
            raise ValueError(
                f"save(update_fields=...) names {field.source!r} but not its blind index "
                f"{field.name!r}; add it so the index stays in step"
            )


def blind_index_field(model: type[models.Model], source: str) -> BlindIndexField:
    for field in model._meta.concrete_fields:
        if isinstance(field, BlindIndexField) and field.source == source:
            return field
    raise FieldError(f"{model._meta.label} has no blind index over {source!r}")


def blind_index_for(model: type[models.Model], source: str, value: str) -> str | None:
    """The digest to compare with `source`'s blind index column for a raw input value."""
    return blind_index_field(model, source).digest(value)


def blind_match(model: type[models.Model], source: str, value: str) -> models.Q:
    """A Q finding rows whose `source` equals `value` after normalisation (never empty)."""
    field = blind_index_field(model, source)
    digest = field.digest(value)
    if digest is None:
        return models.Q(pk__in=[])
    return models.Q(**{field.name: digest})


def encrypted_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin)]
