// The reference of the server that serves this page: its own openapi.yaml
// (as JSON, with the server's /v1 as the only server), so that "Try it
// out" sends requests, with the token that "Authorize" takes, here.
// Nothing is loaded from anywhere else (validatorUrl: no badge).
window.ui = SwaggerUIBundle({
  url: "/docs/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  displayOperationId: true,
  displayRequestDuration: true,
  persistAuthorization: true,
  showExtensions: true,
  tryItOutEnabled: false,
  validatorUrl: null,
});
