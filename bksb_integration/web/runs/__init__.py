"""Management > BKSB: Get Results, its window, schedule and History."""
