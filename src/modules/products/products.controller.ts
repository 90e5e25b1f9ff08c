import {
  applyDecorators,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../../context/request-context';
import { ApiEnvelope, ApiErrorResponse, ApiUuidParam } from '../../http/api-docs';
import { type PaginatedResult, ResponseMessage } from '../../http/envelope';
import { ErrorCode } from '../../http/error-codes';
import { CurrentPrincipal, Permissions } from '../../security/decorators';
import { type Permission, PERMISSIONS } from '../../security/permissions';
import { AuditAction } from '../audit/audit-actions';
import { Audited } from '../audit/audited.decorator';
import { CreateProductDto } from './dto/create-product.dto';
import { ListProductsQueryDto } from './dto/list-products-query.dto';
import { ProductResponseDto } from './dto/product-response.dto';
import { UpdateProductDto } from './dto/update-product.dto';
import { ProductsService } from './products.service';

/**
 * The permission a route needs, enforced by the global guard and stated at the start of its
 * Swagger description. @Permissions itself documents the bearer scheme and the 401/403 answers.
 */
function RequiresPermission(
  permission: Permission,
  operationId: string,
  summary: string,
  description?: string,
) {
  return applyDecorators(
    Permissions(permission),
    ApiOperation({
      operationId,
      summary,
      description: [`Needs the \`${permission}\` permission.`, description]
        .filter(Boolean)
        .join(' '),
    }),
  );
}

const ProductIdParam = () => ApiUuidParam('id', "The product's id");
const InvalidId = () =>
  ApiErrorResponse(400, {
    description: 'BAD_REQUEST: the id is not a UUID',
    code: ErrorCode.BAD_REQUEST,
    message: 'Validation failed (uuid is expected)',
  });
const NotFound = () =>
  ApiErrorResponse(404, {
    description:
      "NOT_FOUND: no such product in the caller's organization (another organization's id included)",
    message: 'Product not found',
  });

@ApiTags('products')
@Controller('products')
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  @Get()
  @RequiresPermission(
    PERMISSIONS.PRODUCTS_READ,
    'listProducts',
    "List the organization's products",
    'Paginated, sortable by an allowlisted field, searchable in name and SKU (%, _ and quotes are literal), filterable by status and price range.',
  )
  @ApiEnvelope(ProductResponseDto, { paginated: true })
  @ApiErrorResponse(
    400,
    'VALIDATION_ERROR: bad page, limit (1-100), sort, order, status or price bounds; unknown query parameters',
  )
  list(@Query() query: ListProductsQueryDto): Promise<PaginatedResult<ProductResponseDto>> {
    return this.products.list(query);
  }

  @Get(':id')
  @RequiresPermission(PERMISSIONS.PRODUCTS_READ, 'getProduct', 'Get one product')
  @ProductIdParam()
  @ApiEnvelope(ProductResponseDto)
  @InvalidId()
  @NotFound()
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<ProductResponseDto> {
    return this.products.get(id);
  }

  @Post()
  @Audited(AuditAction.PRODUCT_CREATED)
  @RequiresPermission(
    PERMISSIONS.PRODUCTS_CREATE,
    'createProduct',
    'Create a product',
    'The price is a JSON string such as "19.99"; JSON numbers are refused.',
  )
  @ResponseMessage('Product created')
  @ApiEnvelope(ProductResponseDto, { status: 201 })
  @ApiErrorResponse(
    400,
    'VALIDATION_ERROR, with details per field; also for fields the client may not set (organizationId, id, createdAt, ...)',
  )
  @ApiErrorResponse(409, 'CONFLICT: the SKU is already used in this organization')
  create(
    @Body() dto: CreateProductDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ProductResponseDto> {
    return this.products.create(dto, principal.userId);
  }

  @Patch(':id')
  @Audited(AuditAction.PRODUCT_UPDATED)
  @RequiresPermission(
    PERMISSIONS.PRODUCTS_UPDATE,
    'updateProduct',
    'Change some fields of a product',
    'Fields left out stay as they are; `description: null` clears the description.',
  )
  @ResponseMessage('Product updated')
  @ProductIdParam()
  @ApiEnvelope(ProductResponseDto)
  @ApiErrorResponse(
    400,
    'VALIDATION_ERROR (details per field), or BAD_REQUEST: the id is not a UUID',
  )
  @NotFound()
  @ApiErrorResponse(409, 'CONFLICT: the new SKU is already used in this organization')
  update(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: UpdateProductDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ProductResponseDto> {
    return this.products.update(id, dto, principal.userId);
  }

  @Delete(':id')
  @Audited(AuditAction.PRODUCT_DELETED)
  @HttpCode(HttpStatus.OK)
  @RequiresPermission(
    PERMISSIONS.PRODUCTS_DELETE,
    'deleteProduct',
    'Delete a product',
    'A hard delete, recorded in the audit log with the values it removed. Answers 200 with `data: null`.',
  )
  @ResponseMessage('Product deleted')
  @ProductIdParam()
  @ApiEnvelope(null)
  @InvalidId()
  @NotFound()
  async remove(@Param('id', new ParseUUIDPipe()) id: string): Promise<null> {
    await this.products.remove(id);
    return null;
  }
}
