from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    """One name per concept: an organisation's desk in the shared queue is a ``ConsultationDesk``
    (docs/architecture.md, "Names"). Renaming keeps every row; only names change."""

    dependencies = [
        ("accounts", "0002_organisation_directory_fields"),
        ("consultations", "0001_intake"),
    ]

    operations = [
        migrations.RenameModel(old_name="IntakeOrganisation", new_name="ConsultationDesk"),
        migrations.AlterField(
            model_name="consultationdesk",
            name="organisation",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="consultation_desk",
                to="accounts.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="people", to="accounts.organisation"
            ),
        ),
    ]
