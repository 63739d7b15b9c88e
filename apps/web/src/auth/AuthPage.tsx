import type { SessionResponse } from '@xeno/contracts';
import { ErrorNote } from '../layout/ErrorNote';
import { LogInForm } from './LogInForm';
import { SignUpForm } from './SignUpForm';

/** Shown to anyone not signed in: log in, or create a tenant. */
export function AuthPage({
  error,
  onSignedIn,
}: {
  error?: string;
  onSignedIn: (session: SessionResponse) => void;
}) {
  return (
    <main className="auth-page">
      <h1>Xenoserver</h1>
      <p className="tagline">Xen-style hypervisor as a service</p>
      <ErrorNote error={error} />
      <div className="auth-forms">
        <LogInForm onSignedIn={onSignedIn} />
        <SignUpForm onSignedIn={onSignedIn} />
      </div>
    </main>
  );
}
