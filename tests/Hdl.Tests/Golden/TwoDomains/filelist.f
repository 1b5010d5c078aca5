TwoDomains.v
