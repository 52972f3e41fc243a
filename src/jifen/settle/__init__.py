"""Monthly settlement: scores against the region average and the roll-up to school, county, city, region."""
