// Starts Swagger UI on /api/docs over the server's own OpenAPI document. A file of its own, so the
// page's Content-Security-Policy keeps script-src 'self'.
window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
