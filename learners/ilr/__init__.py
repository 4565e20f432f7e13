"""The ILR import: reading a provider's ILR XML file into learner records and their aims."""
