"""Filter backends of the API: DRF's search, answering a refused term under its parameter."""

from typing import Any

from rest_framework import filters
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


class SearchFilter(filters.SearchFilter):
    def get_search_terms(self, request: Request) -> Any:
        # DRF refuses a term with a NUL character with a bare list of messages; name the
        # parameter, as every other 400 of the API does.
        try:
            return super().get_search_terms(request)
        except ValidationError as error:
            raise ValidationError({self.search_param: error.detail}) from error
