// Renders /openapi.yaml with the vendored swagger-ui. No validator badge: it would send the
// document to a third-party host, and nothing on this page leaves the server it came from.
window.addEventListener('DOMContentLoaded', () => {
  window.ui = SwaggerUIBundle({
    url: '/openapi.yaml',
    dom_id: '#swagger-ui',
    validatorUrl: null,
    deepLinking: true,
    tryItOutEnabled: false,
  });
});
