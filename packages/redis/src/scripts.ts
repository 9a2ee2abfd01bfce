/**
 * The Lua scripts the adapter runs in Redis. Each is one atomic step, so
 * that nodes racing each other (for the last place in a room, to sweep a
 * dead node) cannot interleave. Keys (`P` is the prefix):
 *
 * - `P room:<room>`: hash, member id → `<node id> <metadata JSON>`.
 * - `P node:<node>`: the node's lease, a string that expires.
 * - `P rooms:<node>`: set of the rooms where the node holds members.
 * - `P nodes`: set of the nodes that may hold members (for sweeps).
 *
 * Channels: `P node:<node>`, one per node, carrying JSON messages for it.
 */

/** The node holding a member, from its hash value. */
const OWNER = `local function owner(v) return string.match(v, '^(%S+)') end`;

/**
 * KEYS: room hash, node's rooms set. ARGV: id, node, value, limit, room.
 * Returns `{0}` when full, else `{1, previous owner or "", id1, value1, …}`
 * with the members already there (the joining id left out).
 */
export const JOIN = `${OWNER}
local previous = redis.call('HGET', KEYS[1], ARGV[1])
if not previous and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then return {0} end
local all = redis.call('HGETALL', KEYS[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[5])
local out = {1, previous and owner(previous) or ''}
for i = 1, #all, 2 do
  if all[i] ~= ARGV[1] then out[#out + 1] = all[i]; out[#out + 1] = all[i + 1] end
end
return out`;

/**
 * KEYS: room hash, node's rooms set. ARGV: id, node, room, "1" when the node
 * holds no other member of the room. Removes the member only if this node
 * holds it (a member restored elsewhere is not this node's to remove). An
 * emptied hash is deleted by Redis itself.
 */
export const LEAVE = `${OWNER}
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v and owner(v) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
if ARGV[4] == '1' then redis.call('SREM', KEYS[2], ARGV[3]) end
return 0`;

/**
 * KEYS: room hash. ARGV: to, message, channel prefix. Publishes the message
 * on the channel of the one node that holds `to`; 0 when the room has no
 * such member.
 */
export const ROUTE = `${OWNER}
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return 0 end
redis.call('PUBLISH', ARGV[3] .. owner(v), ARGV[2])
return 1`;

/**
 * KEYS: room hash. ARGV: message, channel prefix, this node. Publishes the
 * message once on the channel of each other node holding members of the
 * room; this node delivers to its own members itself.
 */
export const FANOUT = `${OWNER}
local seen = {}
seen[ARGV[3]] = true
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do
  local n = owner(v)
  if not seen[n] then seen[n] = true; redis.call('PUBLISH', ARGV[2] .. n, ARGV[1]) end
end
return 0`;

/**
 * KEYS: none (the keys of a dead node are found from its id). ARGV: prefix,
 * dead node. If the node's lease is gone: removes every member it held,
 * tells each other node holding members of those rooms (a `lost` message
 * per member), forgets the node. Returns how many members were removed.
 */
export const SWEEP = `${OWNER}
local p, dead = ARGV[1], ARGV[2]
if redis.call('EXISTS', p .. 'node:' .. dead) == 1 then return -1 end
local removed = 0
for _, room in ipairs(redis.call('SMEMBERS', p .. 'rooms:' .. dead)) do
  local key = p .. 'room:' .. room
  local all = redis.call('HGETALL', key)
  local gone = {}
  for i = 1, #all, 2 do
    if owner(all[i + 1]) == dead then
      redis.call('HDEL', key, all[i])
      gone[#gone + 1] = all[i]
    end
  end
  if #gone > 0 then
    local nodes = {}
    for _, v in ipairs(redis.call('HVALS', key)) do nodes[owner(v)] = true end
    for n in pairs(nodes) do
      for _, id in ipairs(gone) do
        redis.call('PUBLISH', p .. 'node:' .. n, cjson.encode({t = 'lost', r = room, id = id}))
      end
    end
    removed = removed + #gone
  end
end
redis.call('DEL', p .. 'rooms:' .. dead)
redis.call('SREM', p .. 'nodes', dead)
return removed`;

/**
 * KEYS: room hash, node's rooms set. ARGV: id, node, value, room. Seats a
 * member again after Redis lost it (a restart, a sweep while this node was
 * cut off), unless another node holds it now. Returns 1 when it was
 * missing (announce it), 0 when it was still this node's, 2 when another
 * node holds it (it moved while this node was cut off).
 */
export const REJOIN = `${OWNER}
local v = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[4])
if not v then redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]); return 1 end
if owner(v) == ARGV[2] then return 0 end
return 2`;
