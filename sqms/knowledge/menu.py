"""The knowledge base's entries in the main menu (orders 500–549)."""

from django.utils.translation import gettext_lazy

VIEW = "knowledge.view_article"
PUBLISH = "knowledge.publish_article"


def register_navigation() -> None:
    """Called from KnowledgeConfig.ready."""
    from sqms.core import navigation

    navigation.register(
        navigation.NavItem(
            key="knowledge_articles",
            label=gettext_lazy("Knowledge base"),
            url_name="knowledge_article_list",
            icon="journal-text",
            description=gettext_lazy(
                "Solutions to known problems: search in Chinese, use them on tickets, "
                "write new ones from resolved tickets."
            ),
            permission=VIEW,
            order=500,
        ),
        navigation.NavItem(
            key="knowledge_review",
            label=gettext_lazy("Knowledge review queue"),
            url_name="knowledge_review_queue",
            icon="patch-check",
            permission=PUBLISH,
            order=510,
        ),
    )
