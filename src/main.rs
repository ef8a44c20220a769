fn main() {
    ajar::mount();
}
