# The OEM simulator (Tesla- and Smartcar-shaped HTTPS APIs) as a runtime image, from a binary
# built on the host (polkadot-sdk's `binary_injected` way; docker/build-images.sh stages it):
#
#   docker run -d -p 127.0.0.1:7443:7443 -v oem-certs:/certs dimo-oem-simulator:dev
#
# Its first start makes a test CA and a leaf for localhost, 127.0.0.1 and `oem-simulator` (the
# service's name in docker/compose.yaml) in the /certs volume, drops the CA's key, and serves;
# later starts reuse them. A node trusts it with SSL_CERT_FILE=<that volume>/ca.pem. Runs as a
# non-root user; the health check fetches the fleet over HTTPS against that CA.
FROM debian:bookworm-slim

# The same first layer in every DIMO image, so that a build makes it once.
RUN apt-get update \
	&& apt-get install -y --no-install-recommends ca-certificates curl \
	&& rm -rf /var/lib/apt/lists/* \
	&& useradd --uid 1000 --user-group --create-home dimo
RUN mkdir /certs && chown dimo:dimo /certs

COPY dimo-oem-simulator /usr/local/bin/dimo-oem-simulator
RUN /usr/local/bin/dimo-oem-simulator --version

USER dimo
EXPOSE 7443
VOLUME ["/certs"]
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s \
	CMD curl -sf --cacert /certs/ca.pem https://localhost:7443/admin/vehicles >/dev/null || exit 1
ENTRYPOINT ["/usr/local/bin/dimo-oem-simulator"]
CMD ["serve", "--certs", "/certs", "--make-certs", "--host", "oem-simulator", "--listen", "0.0.0.0", "--port", "7443"]
