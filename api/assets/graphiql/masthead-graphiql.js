// Starts GraphiQL against this server's /graphql. A token stored in
// localStorage["masthead-token"] is sent as `Authorization: Bearer`.
(function () {
  const token = localStorage.getItem("masthead-token");
  const fetcher = GraphiQL.createFetcher({
    url: "/graphql",
    headers: token ? { Authorization: "Bearer " + token } : {},
  });
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true }),
  );
})();
