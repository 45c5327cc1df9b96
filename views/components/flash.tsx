// The result of the last action (notice) or why it did not happen (error), announced to screen readers.
export function Flash({ notice, error }: { notice?: string; error?: string }) {
  return (
    <>
      {notice ? (
        <p class="notice" role="status" safe>
          {notice}
        </p>
      ) : (
        ""
      )}
      {error ? (
        <p class="error" role="alert" safe>
          {error}
        </p>
      ) : (
        ""
      )}
    </>
  );
}
