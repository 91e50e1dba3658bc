//! Revoking access: the four ways, what each cuts off, and what the user must confirm.
