"""A team's shortlist: saves, the pipeline, notes and follow-up reminders."""
