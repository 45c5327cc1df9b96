// The page frame: head, navigation and the embedded scripts. Pure: a function of its props.
export interface LayoutProps {
  title: string;
  children?: JSX.Element | JSX.Element[];
}

export function Layout({ title, children }: LayoutProps) {
  return (
    <>
      {"<!doctype html>"}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title safe>{`${title} · prefect-lite`}</title>
          <link rel="stylesheet" href="/static/app.css" />
          <script src="/static/htmx.min.js" defer></script>
        </head>
        <body>
          <header class="top">
            <a class="brand" href="/">prefect-lite</a>
            <nav aria-label="Main">
              <a href="/">Dashboard</a>
              <a href="/settings">Settings</a>
            </nav>
          </header>
          <main>{children}</main>
        </body>
      </html>
    </>
  );
}
