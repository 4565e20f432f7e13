"""The ILR cross-check's screen: Management > BKSB > ILR cross-check, its CSV and its job's download."""
