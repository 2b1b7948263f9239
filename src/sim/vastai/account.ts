import type {Clock} from '../../core/clock.js'
import type {InstanceStore} from './instances.js'

export interface AccountSshKey {
  id: number
  user_id: number
  key: string
  created_at: string
  deleted_at: string | null
}

export const SIM_USER_ID = 424242

export interface AccountJson {
  keys: AccountSshKey[]
  nextKeyId: number
  initialCredit: number
}

/** The one renter account behind every accepted API key: credit and account SSH keys. */
export class Account {
  private keys: AccountSshKey[] = []
  private nextKeyId = 71_001

  constructor(
    private readonly clock: Clock,
    public initialCredit: number,
  ) {}

  /** USD left: the starting credit minus what every instance (destroyed ones too) has cost so far. */
  credit(store: InstanceStore): number {
    const spentMicro = store.all().reduce((sum, i) => sum + store.chargedMicroUsd(i), 0)
    return this.initialCredit - spentMicro / 1_000_000
  }

  addKey(line: string): AccountSshKey {
    const key: AccountSshKey = {
      id: this.nextKeyId++,
      user_id: SIM_USER_ID,
      key: line,
      created_at: new Date(this.clock.now()).toISOString(),
      deleted_at: null,
    }
    this.keys.push(key)
    return key
  }

  removeKey(id: number): boolean {
    const before = this.keys.length
    this.keys = this.keys.filter((k) => k.id !== id)
    return this.keys.length < before
  }

  listKeys(): AccountSshKey[] {
    return [...this.keys]
  }

  keyLines(): string[] {
    return this.keys.map((k) => k.key)
  }

  reset(initialCredit: number): void {
    this.keys = []
    this.initialCredit = initialCredit
  }

  /** The account as a state file holds it; key ids keep counting across restarts and resets. */
  toJSON(): AccountJson {
    return {keys: this.keys, nextKeyId: this.nextKeyId, initialCredit: this.initialCredit}
  }

  restore(json: AccountJson): void {
    this.keys = [...json.keys]
    this.nextKeyId = json.nextKeyId
    this.initialCredit = json.initialCredit
  }

  /** `GET /users/current` body. */
  render(store: InstanceStore): Record<string, unknown> {
    return {
      id: SIM_USER_ID,
      username: 'sim-renter',
      email: 'renter@sim.invalid',
      fullname: 'Simulated Renter',
      credit: this.credit(store),
      balance: 0.0,
      ssh_key: this.keys[this.keys.length - 1]?.key ?? null,
      has_billing: true,
      can_pay: true,
      user: 'sim-renter',
    }
  }
}
