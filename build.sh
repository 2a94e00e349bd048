#!/usr/bin/env bash
# build.sh            generate the plugin list from plugin.cfg and build bin/coredns
# build.sh run        build, then run bin/coredns -conf Corefile.example
# build.sh test       install what the tests need, build, and run every test
# build.sh generate   regenerate the committed generated code only
# build.sh swagger-ui [check]  fetch the Swagger UI of /docs, npm's release
#                     named in plugin/apidocs/swagger-ui/VERSION, into the
#                     tree (or check that the tree holds it)
set -euo pipefail
cd "$(dirname "$0")"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

generate() {
	(cd coredns && go run directives_generate.go)
	go tool oapi-codegen -config plugin/api/oapi-codegen.yaml openapi.yaml
	go tool oapi-codegen -config plugin/acme/httpreq/oapi-codegen.yaml openapi.yaml
	go tool oapi-codegen -config test/client/oapi-codegen.yaml openapi.yaml
}

# swagger_ui fetches npm's swagger-ui-dist at the pinned version and writes
# the two files /docs serves (gzip-ed, as they are sent) with its licence;
# with "check", it compares them with the tree's instead.
swagger_ui() {
	local dir=plugin/apidocs/swagger-ui tmp f
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	(cd "$tmp" && npm pack --silent "$(cat "$OLDPWD/$dir/VERSION")" >/dev/null && tar xzf ./*.tgz)
	for f in swagger-ui-bundle.js swagger-ui.css; do
		if [ "${1:-}" = check ]; then
			if ! gzip -dc "$dir/$f.gz" | cmp -s - "$tmp/package/$f"; then
				echo "build.sh: $dir/$f.gz is not $f of $(cat $dir/VERSION): run ./build.sh swagger-ui" >&2
				return 1
			fi
		else
			gzip -9n -c "$tmp/package/$f" >"$dir/$f.gz"
		fi
	done
	[ "${1:-}" = check ] || cp "$tmp/package/LICENSE" "$tmp/package/NOTICE" "$dir/"
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
swagger-ui) swagger_ui "${2:-}" ;;
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
	echo "usage: $0 [build|run|test|generate|swagger-ui [check]]" >&2
	exit 2
	;;
esac
