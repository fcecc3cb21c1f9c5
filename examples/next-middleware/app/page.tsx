export default function Home() {
  return (
    <main>
      <p>
        <code>/api/hello</code> is rate limited by <code>middleware.ts</code> (edge runtime): 100 a minute per client
        IP, bursts of 20.
      </p>
    </main>
  );
}
