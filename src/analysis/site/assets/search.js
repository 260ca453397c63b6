// Pagefind's UI over the site's own index; result links are made relative to where the site is
// served (the portal's prefix), which this script finds from its own address.
(function () {
  var base = document.currentScript.src.replace(/assets\/search\.js.*$/, "");
  var lang = document.documentElement.lang;
  // Pagefind's Romanian strings write one word with cedillas (U+015E, U+0163): comma-below here
  var ro = { clear_search: "\u0218terge\u021Bi", placeholder: "C\u0103uta\u021Bi" };
  var label = lang === "ro" ? "C\u0103uta\u021Bi \u00een portal" : "Search the portal";
  new PagefindUI({
    element: "#search", showSubResults: true, baseUrl: new URL(base).pathname,
    showImages: false, // a page's first picture (the guides') would be fetched from a wrong path
    translations: lang === "ro" ? ro : {},
  });
  // the search box gets a name screen readers announce (Pagefind's has only a placeholder)
  function name() {
    var input = document.querySelector("#search input[type=text], #search input.pagefind-ui__search-input");
    if (input && !input.getAttribute("aria-label")) { input.setAttribute("aria-label", label); }
    return input;
  }
  if (!name()) {
    new MutationObserver(function (_, observer) { if (name()) { observer.disconnect(); } })
      .observe(document.getElementById("search"), { childList: true, subtree: true });
  }
})();
