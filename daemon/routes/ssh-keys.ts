import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'

import {ErrorBody} from '../../src/core/api/common.js'
import {SshKeyRemovedReply, SshKeyBody, SshKeyDto, SshKeyIdParams, SshKeysReply} from '../../src/core/api/ssh-keys.js'
import {deleteSshKey, listSshKeys, registerSshKeyOnce} from '../../src/services/ssh-key-service.js'
import {deletedSshKeyReply, sshKeyDto} from '../dto.js'
import {idempotentCreate} from '../idempotent-request.js'

/** The quick start's key registry (`/api/v1/iam/ssh-keys`): public keys only, one per fingerprint. */
export function sshKeyRoutes(): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/iam/ssh-keys',
      {schema: {body: SshKeyBody, response: {201: SshKeyDto, 400: ErrorBody, 409: ErrorBody}}},
      async (request, reply) => {
        const {title, key_body: keyBody} = request.body
        return reply.status(201).send(sshKeyDto(await registerSshKeyOnce(request.ctx, title, keyBody, idempotentCreate(request.headers, request.body))))
      },
    )

    app.get('/iam/ssh-keys', {schema: {response: {200: SshKeysReply}}}, async (request) => {
      const keys = (await listSshKeys(request.ctx)).map(sshKeyDto)
      return {ssh_keys: keys, count: keys.length}
    })

    app.delete(
      '/iam/ssh-keys/:id',
      {schema: {params: SshKeyIdParams, response: {200: SshKeyRemovedReply, 404: ErrorBody}}},
      async (request) => {
        return deletedSshKeyReply(await deleteSshKey(request.ctx, request.params.id))
      },
    )
  }
}
