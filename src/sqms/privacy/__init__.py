"""Personal-data protection (PIPL): access log of unmasked views, data-subject requests, retention."""
