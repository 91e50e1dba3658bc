//! The local history of every change keyblade makes, and the inverse change that undoes an
//! entry. The types are pure; the shell stores them in the app's data folder.
