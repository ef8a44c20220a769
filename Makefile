# ajar: the two commands are `make run` and `make test` (see README.md).
.PHONY: run test bench lab install build

install:
	bash scripts/install.sh

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

bench:
	bash scripts/bench.sh

lab:
	bash scripts/install.sh && cargo run -p ajar-lab -- serve

build:
	bash scripts/install.sh && bash scripts/build.sh
