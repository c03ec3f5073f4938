# dimo-node as a runtime image, from a binary built on the host (polkadot-sdk's
# `binary_injected` way: no toolchain in the image); docker/build-images.sh stages it:
#
#   scripts/build.sh && docker/build-images.sh            # or by hand: a context holding dimo-node
#   docker run --rm -p 127.0.0.1:9944:9944 -v dimo-data:/data dimo-node:dev --dev --rpc-external
#   # a validator of another chain: docker run ... dimo-node:dev --chain <spec> --validator --name <name>
#
# A non-root user, the base path a volume, the binary as the entrypoint, a health check on the
# JSON-RPC port (system_health).
FROM debian:bookworm-slim

# The same first layer in every DIMO image, so that a build makes it once.
RUN apt-get update \
	&& apt-get install -y --no-install-recommends ca-certificates curl \
	&& rm -rf /var/lib/apt/lists/* \
	&& useradd --uid 1000 --user-group --create-home dimo
RUN mkdir /data && chown dimo:dimo /data

COPY dimo-node /usr/local/bin/dimo-node
RUN /usr/local/bin/dimo-node --version

USER dimo
# P2P, JSON-RPC, Prometheus.
EXPOSE 30333 9944 9615
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s \
	CMD curl -sf -H 'content-type: application/json' -d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' http://127.0.0.1:9944 || exit 1
ENTRYPOINT ["/usr/local/bin/dimo-node", "--base-path", "/data"]
CMD ["--dev", "--rpc-external", "--rpc-cors", "all", "--prometheus-external"]
