export function Empty({ title, hint }: { title: string; hint?: string }) {
  return (
    <div class="empty" role="status">
      <p class="empty-title" safe>
        {title}
      </p>
      {hint ? (
        <p class="muted" safe>
          {hint}
        </p>
      ) : (
        ""
      )}
    </div>
  );
}
