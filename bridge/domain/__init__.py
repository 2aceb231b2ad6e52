"""The domain: what a camera is, can do and says, and the commands it takes. No I/O here."""
