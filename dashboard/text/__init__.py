"""The dashboard's words, one catalogue per area of the dashboard, each in English and French."""
