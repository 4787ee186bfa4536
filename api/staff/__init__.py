"""Staff users, in-store devices and their customer sessions."""
