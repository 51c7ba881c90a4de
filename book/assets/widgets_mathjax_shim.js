// The ipywidgets embed manager typesets widget labels through the MathJax 2 API (MathJax.Hub.Queue), but the book
// serves MathJax 3, which has no Hub: without this shim every frozen widget throws "reading 'Queue'".
// Whenever window.MathJax is (re)assigned -- by the configuration script, then by MathJax 3 itself -- give it a
// minimal Hub whose Queue forwards "Typeset" jobs to MathJax 3's typesetPromise.
(function () {
  var hub = {
    Queue: function () {
      for (var i = 0; i < arguments.length; i++) {
        var job = arguments[i];
        var mj = window.MathJax;
        if (Array.isArray(job) && job[0] === "Typeset" && mj && mj.typesetPromise) {
          mj.typesetPromise(job[2] ? [job[2]] : undefined).catch(function () {});
        }
      }
    },
  };
  var current = window.MathJax;
  function withHub(value) {
    if (value && typeof value === "object" && !value.Hub) {
      try { value.Hub = hub; } catch (e) { /* frozen object: leave it */ }
    }
    return value;
  }
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () { return current; },
    set: function (value) { current = withHub(value); },
  });
  withHub(current);
})();
