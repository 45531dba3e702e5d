"""Words and form helpers of the setup wizard and the machines page."""
