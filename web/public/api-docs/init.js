// Starts Swagger UI on /api/docs with llmlb's OpenAPI document (a file, so the page needs no inline script).
window.ui = window.SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#docs",
  deepLinking: true,
  // Cookies of a logged-in dashboard session go along with "Try it out" (same origin).
  withCredentials: true,
});
