"""Words for federation pages: sharing with a programme, and the group view."""
