// The directive bank is embedded into the binary for first-start seeding;
// rebuild when it changes.
fn main() {
    println!("cargo:rerun-if-changed=../../questions");
    println!("cargo:rerun-if-changed=migrations");
}
