// "Start at login": a checkbox in the status bar over the shell's `autostart` / `set_autostart`
// commands (an XDG autostart entry on Linux, the Run key on Windows). The box shows the setting as
// the shell reports it, also after a failed change.
import { $ } from './dom.js';
import { invoke, setError } from './ipc.js';

export async function initAutostart() {
  const box = $('autostart');
  try {
    box.checked = (await invoke('autostart')) === true;
    box.disabled = false;
  } catch (e) {
    setError('start at login', e.message);
    return;
  }
  box.addEventListener('change', async () => {
    const want = box.checked;
    box.disabled = true;
    try {
      box.checked = (await invoke('set_autostart', { enabled: want })) === true;
      setError('start at login', null);
    } catch (e) {
      box.checked = !want;
      setError('start at login', e.message);
    } finally {
      box.disabled = false;
    }
  });
}
