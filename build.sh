#!/usr/bin/env bash
# build.sh            generate the plugin list from plugin.cfg and build bin/coredns
# build.sh run        build, then run bin/coredns -conf Corefile.example
# build.sh test       install what the tests need, build, and run every test
# build.sh generate   regenerate the committed generated code only
set -euo pipefail
cd "$(dirname "$0")"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

generate() {
	(cd coredns && go run directives_generate.go)
	go tool oapi-codegen -config plugin/api/oapi-codegen.yaml openapi.yaml
	go tool oapi-codegen -config plugin/acme/httpreq/oapi-codegen.yaml openapi.yaml
	go tool oapi-codegen -config test/client/oapi-codegen.yaml openapi.yaml
}

build() {
	generate
	go build -o bin/coredns ./coredns
	if ! bin/coredns -plugins | grep -qx 'zoneapi'; then
		echo "build.sh: bin/coredns -plugins does not list zoneapi" >&2
		exit 1
	fi
}

case "${1:-build}" in
build) build ;;
generate) generate ;;
run)
	build
	mkdir -p data
	if ! compgen -G 'data/*.zone' >/dev/null; then
		cp docs/example.org.zone data/
		echo "build.sh: data/ had no zones; copied docs/example.org.zone into it"
	fi
	exec bin/coredns -conf Corefile.example
	;;
test)
	shift
	exec test/run.sh "$@"
	;;
*)
	echo "usage: $0 [build|run|test|generate]" >&2
	exit 2
	;;
esac
