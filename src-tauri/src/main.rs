fn main() { keyblade_app::run() }
