// Render every chart of the page with the vega bundle served from the site (never a CDN).
// `ast: true`: expressions are interpreted, not compiled, so the CSP needs no unsafe-eval.
// A chart wider than its column (a phone is 390 px wide) is drawn narrower, never cut off:
// its width follows the column, a map's height keeps the map's proportions.
function fitted(spec, room) {
  if (typeof spec.width !== "number" || room <= 0) { return spec; }
  var legend = 140; // a legend beside the plot takes about this much
  var width = Math.max(160, Math.min(spec.width, room - legend));
  if (width >= spec.width) { return spec; }
  var out = Object.assign({}, spec, { width: width });
  if (spec.projection && typeof spec.height === "number") {
    out.height = Math.round(spec.height * width / spec.width);
  }
  return out;
}
document.querySelectorAll("div.vega").forEach(function (el) {
  var spec = JSON.parse(document.getElementById(el.dataset.spec).textContent);
  vegaEmbed(el, fitted(spec, el.clientWidth), { actions: false, renderer: "svg", ast: true })
    .then(function () {
      // the figure is one image with one text alternative (the div's aria-label, in the
      // page's language): the drawing's own parts are not announced one by one
      el.querySelectorAll("svg").forEach(function (svg) { svg.setAttribute("aria-hidden", "true"); });
      el.querySelectorAll("[role], [aria-roledescription], [aria-label]").forEach(function (node) {
        node.removeAttribute("role"); node.removeAttribute("aria-roledescription");
        node.removeAttribute("aria-label");
      });
      el.dataset.rendered = "true";
    })
    .catch(function (err) { el.dataset.rendered = "error"; el.textContent = String(err); });
});
