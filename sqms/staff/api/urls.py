"""REST endpoints of the staff app, mounted at /api/staff/."""

from rest_framework.routers import DefaultRouter

from sqms.staff.api import views

router = DefaultRouter()
router.register("courses", views.CourseViewSet, basename="staff-course")
router.register("sessions", views.TrainingSessionViewSet, basename="staff-session")
router.register("plans", views.TrainingPlanViewSet, basename="staff-plan")
router.register("enrolments", views.EnrolmentViewSet, basename="staff-enrolment")
router.register("feedback", views.FeedbackViewSet, basename="staff-feedback")
router.register("questions", views.QuestionViewSet, basename="staff-question")
router.register("exams", views.ExamViewSet, basename="staff-exam")
router.register("attempts", views.AttemptViewSet, basename="staff-attempt")
router.register("competencies", views.CompetencyViewSet, basename="staff-competency")
router.register("certification-types", views.CertificationTypeViewSet, basename="staff-certtype")
router.register("certifications", views.CertificationViewSet, basename="staff-certification")
router.register("profiles", views.StaffProfileViewSet, basename="staff-profile")
router.register("weights", views.ScorecardWeightsViewSet, basename="staff-weights")
router.register("scorecards", views.ScorecardViewSet, basename="staff-scorecard")
router.register("rewards", views.RewardPenaltyViewSet, basename="staff-reward")

urlpatterns = [*router.urls]
