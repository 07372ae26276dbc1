// Search-as-you-type for filters with thousands of options: the input names a <datalist>
// that is filled from a small JSON endpoint as the reader types (no inline script: the CSP).
(function () {
  "use strict";
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var query = input.value.trim();
      if (query.length < 2) return;
      timer = setTimeout(function () {
        fetch(list.dataset.url + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) {
            list.replaceChildren.apply(list, data.results.map(function (item) {
              var option = document.createElement("option");
              option.value = item.slug;
              option.textContent = item.name;
              return option;
            }));
          })
          .catch(function () {});
      }, 200);
    });
  });
})();
