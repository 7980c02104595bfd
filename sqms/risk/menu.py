"""The risk app's entries in the main menu."""

from django.utils.translation import gettext_lazy


def register_navigation() -> None:
    from sqms.core import navigation

    navigation.register(
        navigation.NavItem(
            key="risk_register",
            label=gettext_lazy("Risk register"),
            url_name="risk_list",
            icon="shield-exclamation",
            description=gettext_lazy(
                "Service-quality risks rated on the matrix, their controls, acceptances and "
                "reviews, with the register's quality checks."
            ),
            permission="risk.view_risk",
            order=400,
        ),
        navigation.NavItem(
            key="risk_heatmap",
            label=gettext_lazy("Risk heat map"),
            url_name="risk_heatmap",
            icon="grid-3x3",
            description=gettext_lazy(
                "Inherent against residual risk on the matrix, and the trend."
            ),
            permission="risk.view_risk",
            order=401,
        ),
        navigation.NavItem(
            key="risk_simulations",
            label=gettext_lazy("Monte Carlo"),
            url_name="montecarlo_list",
            icon="graph-up",
            description=gettext_lazy(
                "Simulate the yearly loss of a set of risks: mean, VaR, expected shortfall."
            ),
            permission="risk.view_montecarlorun",
            order=402,
        ),
        navigation.NavItem(
            key="risk_matrices",
            label=gettext_lazy("Risk matrices"),
            url_name="riskmatrix_list",
            icon="grid",
            description=gettext_lazy("Probability and impact levels, risk levels and the grid."),
            permission="risk.view_riskmatrix",
            order=403,
        ),
    )
