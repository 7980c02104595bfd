"""The surveys app's entries in the main menu (orders 250–269)."""

from django.utils.translation import gettext_lazy

RESULTS = "surveys.view_surveyresponse"


def register_navigation() -> None:
    """Called from SurveysConfig.ready."""
    from sqms.core import navigation

    navigation.register(
        navigation.NavItem(
            key="survey_dashboard",
            label=gettext_lazy("Satisfaction results"),
            url_name="survey_dashboard",
            icon="emoji-smile",
            description=gettext_lazy("CSAT, NPS, CES and dimension scores by period and slice."),
            permission=RESULTS,
            order=250,
        ),
        navigation.NavItem(
            key="survey_comments",
            label=gettext_lazy("Survey comments"),
            url_name="survey_comments",
            icon="chat-left-text",
            description=gettext_lazy("What customers wrote, with their scores."),
            permission=RESULTS,
            order=251,
        ),
        navigation.NavItem(
            key="survey_follow_ups",
            label=gettext_lazy("Survey follow-ups"),
            url_name="survey_follow_up_list",
            icon="telephone-outbound",
            description=gettext_lazy("Call-backs to customers who gave a low score."),
            permission="surveys.view_followup",
            order=252,
        ),
        navigation.NavItem(
            key="survey_templates",
            label=gettext_lazy("Survey templates"),
            url_name="survey_template_list",
            icon="ui-checks",
            description=gettext_lazy("Questionnaires and their versions."),
            permission="surveys.view_surveytemplate",
            order=253,
        ),
        navigation.NavItem(
            key="survey_rules",
            label=gettext_lazy("Invitation rules"),
            url_name="survey_rule_list",
            icon="envelope-paper",
            description=gettext_lazy("Which closed tickets are surveyed, how often, for how long."),
            permission="surveys.view_invitationrule",
            order=254,
        ),
        navigation.NavItem(
            key="survey_campaigns",
            label=gettext_lazy("Survey campaigns"),
            url_name="survey_campaign_list",
            icon="megaphone",
            description=gettext_lazy("Periodic surveys of a customer segment or unit."),
            permission="surveys.view_campaign",
            order=255,
        ),
        navigation.NavItem(
            key="survey_kiosk",
            label=gettext_lazy("Counter tablet survey"),
            url_name="survey_kiosk_start",
            icon="tablet",
            description=gettext_lazy("Hand the tablet to the customer for a survey."),
            permission="surveys.enter_surveyresponse",
            order=256,
        ),
    )
