"""Evidence packs: one record's PDF, or many as a zip, and the bounds on making them."""
