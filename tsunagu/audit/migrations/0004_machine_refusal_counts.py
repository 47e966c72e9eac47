"""Anonymous refusals (the CTI and LINE webhooks without credentials, failed sign-ins, refused chat
starts) are counted per reason, source and hour in ``RefusalTally``, and reach the audit trail as
one row each, never one per call
(issue 15, finding 11; tsunagu/audit/aggregate.py)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_address_redaction'),
    ]

    operations = [
        migrations.CreateModel(
            name='RefusalTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(max_length=64)),
                ('source', models.CharField(max_length=16)),
                ('period_start', models.DateTimeField(db_index=True)),
                ('reason', models.CharField(blank=True, max_length=64)),
                ('count', models.PositiveIntegerField(default=0)),
                ('over_limit', models.PositiveIntegerField(default=0)),
                ('minute_start', models.DateTimeField()),
                ('minute_count', models.PositiveIntegerField(default=0)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('action', 'reason', 'source', 'period_start'), name='audit_refusal_tally_unique')],
            },
        ),
    ]
