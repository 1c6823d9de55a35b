import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SimAccount } from './sim-account.js';
import { InvalidInputError } from '../errors.js';
import { validateJsonDocument } from '../read-json-document.js';
import { writeFileAtomicSync } from '../accounts/write-file-atomic.js';

/** A create that answered 503 and will appear later; its login name is taken meanwhile. */
export interface PendingProvision {
  account: SimAccount;
  /** Simulator-clock time (ms) from which it may appear. */
  ready_at: number;
}

/** The state file's content. */
export interface SimulatorState {
  format_version: 1;
  accounts: SimAccount[];
  pending_provisions: PendingProvision[];
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `a07e1` followed by 7–9 characters of [a-z0-9], the shape of CTCT's encoded account ids. */
export function computeAccountId(randomByte: () => number): string {
  const length = 7 + (randomByte() % 3);
  let id = 'a07e1';
  for (let i = 0; i < length; i++) id += ID_ALPHABET[randomByte() % ID_ALPHABET.length];
  return id;
}

/**
 * The saved state, checked against `schema/simulator-state.schema.json`; a corrupt file is an input error (exit 3)
 * naming line and field.
 */
export function readStateFile(file: string): SimulatorState | undefined {
  if (!existsSync(file)) return undefined;
  const result = validateJsonDocument('simulator-state', file, readFileSync(file, 'utf8'));
  if (result.document === null) throw new InvalidInputError(result.problems);
  return {
    format_version: 1,
    accounts: result.document.accounts,
    pending_provisions: result.document.pending_provisions ?? [],
  };
}

/** Written atomically: a reader never sees half a file. */
export function writeStateFile(file: string, state: SimulatorState): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomicSync(file, `${JSON.stringify(state)}\n`);
}

/**
 * The simulator's accounts, indexed by id and by login name (case-insensitive), in creation
 * order. Every mutation goes through a method here, so the state file follows each one.
 */
export class AccountStore {
  private readonly list: SimAccount[] = [];
  private readonly byId = new Map<string, SimAccount>();
  private readonly byLogin = new Map<string, SimAccount>();
  private readonly pending = new Map<string, PendingProvision>();
  private pendingCancels = 0;

  constructor(private readonly stateFile?: string) {}

  load(state: SimulatorState): void {
    for (const account of state.accounts) this.index(account);
    for (const p of state.pending_provisions) this.pending.set(p.account.encoded_account_id, p);
  }

  all(): readonly SimAccount[] {
    return this.list;
  }

  get size(): number {
    return this.list.length;
  }

  nextSeq(): number {
    return this.list.length + this.pending.size + 1;
  }

  get(id: string): SimAccount | undefined {
    return this.byId.get(id);
  }

  findByLogin(loginName: string): SimAccount | undefined {
    return this.byLogin.get(loginName.toLowerCase());
  }

  /**
   * Taken by an account. A create still pending after a 503 reserves nothing: the spec promises
   * no 409 before the stored request is provisioned, so a second POST meanwhile makes a second
   * account (the worst case a client must be safe against).
   */
  isLoginTaken(loginName: string): boolean {
    return this.byLogin.has(loginName.toLowerCase());
  }

  isIdTaken(id: string): boolean {
    return this.byId.has(id) || this.pending.has(id);
  }

  pendingProvisions(): PendingProvision[] {
    return [...this.pending.values()];
  }

  add(account: SimAccount): void {
    this.index(account);
    this.persist();
  }

  addMany(accounts: SimAccount[]): void {
    for (const account of accounts) this.index(account);
    this.persist();
  }

  reserve(provision: PendingProvision): void {
    this.pending.set(provision.account.encoded_account_id, provision);
    this.persist();
  }

  /** Turn a pending create into an account; false when it already was. */
  completeProvision(id: string): boolean {
    const provision = this.pending.get(id);
    if (!provision) return false;
    this.pending.delete(id);
    this.index(provision.account);
    this.persist();
    return true;
  }

  /** Apply `change` to the stored account, then persist. */
  update(account: SimAccount, change: (a: SimAccount) => void): void {
    const hadPendingCancel = this.isCancelPending(account);
    change(account);
    this.pendingCancels += Number(this.isCancelPending(account)) - Number(hadPendingCancel);
    this.persist();
  }

  /**
   * Bring the state up to the clock: cancellations whose effective date has come flip to
   * `Canceled`, and pending creates whose time has come appear.
   */
  settle(nowMs: number): void {
    let changed = false;
    for (const [key, provision] of this.pending) {
      if (provision.ready_at <= nowMs) {
        this.pending.delete(key);
        this.index(provision.account);
        changed = true;
      }
    }
    if (this.pendingCancels > 0) {
      for (const account of this.list) {
        if (this.isCancelPending(account) && Date.parse(account.cancellation?.effective_date ?? '') <= nowMs) {
          account.billing_status = 'Canceled';
          this.pendingCancels -= 1;
          changed = true;
        }
      }
    }
    if (changed) this.persist();
  }

  snapshot(): SimulatorState {
    return { format_version: 1, accounts: this.list, pending_provisions: [...this.pending.values()] };
  }

  private isCancelPending(account: SimAccount): boolean {
    return account.cancellation !== undefined && account.billing_status !== 'Canceled';
  }

  private index(account: SimAccount): void {
    this.list.push(account);
    this.byId.set(account.encoded_account_id, account);
    this.byLogin.set(account.login_name.toLowerCase(), account);
    if (this.isCancelPending(account)) this.pendingCancels += 1;
  }

  private persist(): void {
    if (this.stateFile) writeStateFile(this.stateFile, this.snapshot());
  }
}
