import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'

import {ErrorBody} from '../../src/core/api/common.js'
import {NodeBody, NodeDto, NodeNameParams, NodeRemovedReply, NodesReply, TrustHostKeyBody} from '../../src/core/api/nodes.js'
import {toMicroUsd} from '../../src/core/money.js'
import {addNode, checkNode, getNode, listNodes, removeNode, trustNodeHostKey} from '../../src/services/node-service.js'
import type {AppDeps} from '../deps.js'
import {nodeDto, removedNodeReply} from '../dto.js'

/** Self-hosted nodes (`/api/v1/nodes`): a team's own servers, carved into libvirt VMs. */
export function nodeRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  // A node's capacity is on offer (or gone) as soon as the change answers, not at the next refresh.
  const reoffered = async <T>(changed: Promise<T>): Promise<T> => {
    const result = await changed
    await deps.inventory.refreshProvider('selfhosted')
    return result
  }
  return async (app) => {
    app.post('/nodes', {schema: {body: NodeBody, response: {201: NodeDto, 400: ErrorBody, 409: ErrorBody, 502: ErrorBody}}}, async (request, reply) => {
      const body = request.body
      const view = await reoffered(addNode(request.ctx, {
        name: body.name,
        host: body.host,
        port: body.port,
        user: body.user,
        identityFile: body.identity_file,
        region: body.region,
        pricing: {
          pricePerGpuHour: toMicroUsd(body.price_per_gpu_hour),
          cpuSlices: body.cpu_slices,
          cpuSlicePricePerHour: toMicroUsd(body.cpu_slice_price_per_hour),
        },
        libvirt: {
          ...(body.libvirt_uri === undefined ? {} : {uri: body.libvirt_uri}),
          ...(body.storage_pool === undefined ? {} : {pool: body.storage_pool}),
          ...(body.network === undefined ? {} : {network: body.network}),
          ...(body.base_image === undefined ? {} : {baseImage: body.base_image}),
          ...(body.virt_type === undefined ? {} : {virtType: body.virt_type}),
        },
        trustHostKey: body.trust_host_key ?? null,
      }))
      return reply.status(201).send(nodeDto(view))
    })

    app.get('/nodes', {schema: {response: {200: NodesReply}}}, async (request) => {
      const nodes = (await listNodes(request.ctx)).map(nodeDto)
      return {nodes, count: nodes.length}
    })

    app.get('/nodes/:name', {schema: {params: NodeNameParams, response: {200: NodeDto, 404: ErrorBody}}}, async (request) => {
      return nodeDto(await getNode(request.ctx, request.params.name))
    })

    app.post('/nodes/:name/check', {schema: {params: NodeNameParams, response: {200: NodeDto, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody}}}, async (request) => {
      return nodeDto(await reoffered(checkNode(request.ctx, request.params.name)))
    })

    app.post(
      '/nodes/:name/host-key',
      {schema: {params: NodeNameParams, body: TrustHostKeyBody, response: {200: NodeDto, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody}}},
      async (request) => {
        return nodeDto(await reoffered(trustNodeHostKey(request.ctx, request.params.name, request.body.host_key)))
      },
    )

    app.delete('/nodes/:name', {schema: {params: NodeNameParams, response: {200: NodeRemovedReply, 404: ErrorBody, 409: ErrorBody}}}, async (request) => {
      return removedNodeReply(await reoffered(removeNode(request.ctx, request.params.name)))
    })
  }
}
