"""How alarms read: their words, and the alarm-performance report as CSV."""
