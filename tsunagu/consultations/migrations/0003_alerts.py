import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import tsunagu.core.fields


class Migration(migrations.Migration):
    """Alerts that reach someone (docs/consultations.md, "Alerts"): an alert stays open until a
    supervisor acknowledges it, and each desk keeps an escalation list (e-mail, and SMS to an
    encrypted number) for alerts nobody acknowledges in time."""

    dependencies = [
        ("consultations", "0002_rename_intakeorganisation_consultationdesk"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Alert",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("high_risk", "High-risk contact"),
                            ("transfer_unanswered", "Handover not answered"),
                        ],
                        max_length=32,
                        verbose_name="kind",
                    ),
                ),
                ("raised_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="raised")),
                ("shown_at", models.DateTimeField(blank=True, null=True)),
                ("acknowledged_at", models.DateTimeField(blank=True, null=True, verbose_name="acknowledged")),
                ("escalated_at", models.DateTimeField(blank=True, null=True, verbose_name="escalated")),
                (
                    "acknowledged_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "consultation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="alerts",
                        to="consultations.consultation",
                    ),
                ),
            ],
            options={
                "ordering": ["raised_at", "id"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("acknowledged_at__isnull", True)), fields=["raised_at"], name="alert_open"
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("acknowledged_at__isnull", True)),
                        fields=("consultation", "kind"),
                        name="alert_one_open_per_kind",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["high_risk", "transfer_unanswered"])),
                        name="alert_kind_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("acknowledged_at__isnull", True), ("acknowledged_by__isnull", True)),
                            models.Q(("acknowledged_at__isnull", False), ("acknowledged_by__isnull", False)),
                            _connector="OR",
                        ),
                        name="alert_acknowledged_by_someone",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="AlertContact",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "sms_number",
                    tsunagu.core.fields.EncryptedTextField(blank=True, verbose_name="mobile number for SMS"),
                ),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "desk",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="alert_contacts",
                        to="consultations.consultationdesk",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "ordering": ["desk", "id"],
                "constraints": [models.UniqueConstraint(fields=("desk", "user"), name="alert_contact_unique")],
            },
        ),
    ]
