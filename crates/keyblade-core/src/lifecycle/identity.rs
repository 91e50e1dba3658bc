//! The Identity blade: turning the system-assigned identity on and off, adding and removing user-assigned identities, refused when encryption uses them.
