"""The BKSB tab of a learner's record: link, BKSB Results, results, sessions."""
